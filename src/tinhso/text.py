"""Vietnamese text handling: normalisation, search keys, collation and legacy encodings.

Provincial data still arrives in the pre-Unicode Vietnamese encodings, so besides the
Unicode helpers this module carries complete TCVN3 (ABC) and VNI-Windows tables, a
detector for byte streams of unknown encoding, and a repairer for text that was already
mis-decoded as Latin-1/cp1252 (the usual state of an Excel cell typed in a .VnTime or
VNI-Times font).
"""

from __future__ import annotations

import codecs
import functools
import re
import unicodedata
from collections.abc import Callable
from typing import Final, NamedTuple

__all__ = [
    "SortKey",
    "decode_bytes",
    "decode_tcvn3",
    "decode_vni",
    "encode_tcvn3",
    "encode_vni",
    "fold",
    "nfc",
    "repair_text",
    "sort_key",
]

# Combining marks. Vietnamese letters decompose (NFD) into a base letter, at most one
# "shape" mark (breve, circumflex, horn) and at most one tone mark.
_GRAVE: Final = "\u0300"  # huyền
_ACUTE: Final = "\u0301"  # sắc
_CIRCUMFLEX: Final = "\u0302"
_TILDE: Final = "\u0303"  # ngã
_BREVE: Final = "\u0306"
_HOOK: Final = "\u0309"  # hỏi
_HORN: Final = "\u031b"
_DOT: Final = "\u0323"  # nặng

# Index = secondary weight: the dictionary order "ngang, huyền, hỏi, ngã, sắc, nặng".
_TONES: Final[tuple[str, ...]] = ("", _GRAVE, _HOOK, _TILDE, _ACUTE, _DOT)
_TONE_RANK: Final[dict[str, int]] = {mark: rank for rank, mark in enumerate(_TONES) if mark}
_SHAPES: Final = frozenset({_BREVE, _CIRCUMFLEX, _HORN})

_WHITESPACE_RE: Final = re.compile(r"\s+")
# Latin-1 eth is routinely typed for Đ on keyboards without a Vietnamese layout.
_D_FOLD: Final = str.maketrans({"đ": "d", "Đ": "d", "ð": "d", "Ð": "d"})


def nfc(s: str) -> str:
    """Return ``s`` in Unicode Normalisation Form C (precomposed)."""
    return unicodedata.normalize("NFC", s)


def fold(s: str) -> str:
    """Return the search key of ``s``: lowercase, no diacritics, đ→d, single-spaced.

    >>> fold("Phường  Đoàn Kết ")
    'phuong doan ket'
    """
    decomposed = unicodedata.normalize("NFD", s.lower())
    bare = "".join(ch for ch in decomposed if not unicodedata.category(ch).startswith("M"))
    return _WHITESPACE_RE.sub(" ", bare.translate(_D_FOLD)).strip()


# --------------------------------------------------------------------------- collation

# f, j, w and z are not in the Vietnamese alphabet; they sit where Latin puts them so
# that foreign and minority-language names still sort sensibly.
_ALPHABET: Final[tuple[str, ...]] = tuple("aăâbcdđeêfghijklmnoôơpqrstuưvwxyz")
_ALPHA_RANK: Final[dict[str, int]] = {letter: rank for rank, letter in enumerate(_ALPHABET)}

# Primary-weight classes, so that spaces < punctuation < numbers < letters.
_CLASS_SPACE: Final = 0
_CLASS_PUNCT: Final = 1
_CLASS_NUMBER: Final = 2
_CLASS_LETTER: Final = 3
_CLASS_OTHER_LETTER: Final = 4

SortKey = tuple[tuple[tuple[int, int], ...], tuple[int, ...], tuple[int, ...], str]
"""Collation key: (primary units, tone weights, case weights, NFC tie-breaker)."""


def _clusters(text: str) -> list[tuple[str, str]]:
    """Return ``text`` split into (base character, following combining marks) pairs."""
    out: list[tuple[str, str]] = []
    i, n = 0, len(text)
    while i < n:
        j = i + 1
        while j < n and unicodedata.category(text[j]).startswith("M"):
            j += 1
        out.append((text[i], text[i + 1 : j]))
        i = j
    return out


# Names repeat across requests (every unit list sorts the same 14,000 names): the key of a name
# is worked out once. Bounded, and a key is a few hundred bytes.
@functools.lru_cache(maxsize=65_536)
def sort_key(s: str) -> SortKey:
    """Return a key that sorts Vietnamese strings in dictionary order.

    Base letters are compared first (a ă â b c d đ e ê g h i k l m n o ô ơ p q r s t u ư
    v x y, with f j w z in their Latin places), case-insensitively; runs of digits compare
    as numbers and before letters, so "Phường 2" < "Phường 10". Only when the letters tie
    are tone marks compared, in the order ngang, huyền, hỏi, ngã, sắc, nặng; then case
    (lowercase first); then the NFC string itself, so the order is total. NFD input gives
    the same key as NFC input.
    """
    primary: list[tuple[int, int]] = []
    tones: list[int] = []
    cases: list[int] = []
    clusters = _clusters(unicodedata.normalize("NFD", s.strip()))
    k = 0
    while k < len(clusters):
        base, marks = clusters[k]
        k += 1
        if base.isspace():
            if not primary or primary[-1][0] != _CLASS_SPACE:
                primary.append((_CLASS_SPACE, 0))
            continue
        digit = unicodedata.decimal(base, -1)
        if digit >= 0:
            value = digit
            while k < len(clusters) and unicodedata.decimal(clusters[k][0], -1) >= 0:
                value = value * 10 + unicodedata.decimal(clusters[k][0])
                k += 1
            primary.append((_CLASS_NUMBER, value))
            continue
        if not base.isalpha():
            primary.append((_CLASS_PUNCT, ord(base)))
            continue
        low = base.lower()
        if low == "ð":
            low = "đ"
        letter = nfc(low + "".join(m for m in marks if m in _SHAPES))
        rank = _ALPHA_RANK.get(letter, _ALPHA_RANK.get(low))
        if rank is None:
            primary.append((_CLASS_OTHER_LETTER, ord(low)))
            continue
        primary.append((_CLASS_LETTER, rank))
        tones.append(next((_TONE_RANK[m] for m in marks if m in _TONE_RANK), 0))
        cases.append(1 if base != low else 0)
    return tuple(primary), tuple(tones), tuple(cases), nfc(s)


# ------------------------------------------------------------------ syllable validation

_VIET_LETTERS: Final = frozenset("aăâbcdđeêghiklmnoôơpqrstuưvxy")
_VOWELS: Final = frozenset("aeiouy")
_INITIALS: Final[tuple[str, ...]] = (
    "ngh", "ng", "nh", "ch", "gh", "gi", "kh", "ph", "th", "tr", "qu",
    "b", "c", "d", "đ", "g", "h", "k", "l", "m", "n", "p", "r", "s", "t", "v", "x", "",
)  # fmt: skip
_FINALS: Final[tuple[str, ...]] = ("ng", "nh", "ch", "c", "m", "n", "p", "t", "")
_STOP_FINALS: Final = frozenset({"c", "ch", "p", "t"})

# Vowel nuclei (with their on- and off-glides) and whether they take a final consonant:
# "open" = optional, "closed" = required, "glide" = forbidden (the glide is the coda).
_OPEN_NUCLEI: Final = (
    "a",
    "e",
    "ê",
    "i",
    "o",
    "ô",
    "ơ",
    "u",
    "ư",
    "y",
    "oa",
    "oe",
    "uê",
    "uy",
    "uơ",
)
_CLOSED_NUCLEI: Final = ("ă", "â", "iê", "yê", "uô", "ươ", "uyê", "oă", "uâ", "oo")
_GLIDE_NUCLEI: Final = (
    "ai", "ao", "au", "ay", "âu", "ây", "eo", "êu", "ia", "iu", "oi", "ôi", "ơi", "ui", "ưi",
    "ưu", "ua", "ưa", "iêu", "yêu", "ươi", "ươu", "uôi", "oai", "oay", "oao", "oeo", "uây",
    "uya", "uyu",
)  # fmt: skip
_NUCLEI: Final[dict[str, str]] = {
    **dict.fromkeys(_OPEN_NUCLEI, "open"),
    **dict.fromkeys(_CLOSED_NUCLEI, "closed"),
    **dict.fromkeys(_GLIDE_NUCLEI, "glide"),
}
_PALATAL_NUCLEI: Final = frozenset({"a", "ê", "i", "y", "oa", "uê", "uy"})  # before nh/ch
_NO_VELAR_NUCLEI: Final = frozenset({"ê", "i", "y", "ơ", "uê", "uy", "uơ"})  # not before ng/c
_FRONT: Final = frozenset({"i", "e", "ê", "y"})


def _syllable_parts(word: str) -> tuple[str, str, int] | None:
    """Return (toneless letters, tone mark, index of the toned letter) of ``word``.

    The index is -1 when there is no tone; None is returned for anything that is not
    spelled with Vietnamese letters and at most one tone on a vowel.
    """
    letters: list[str] = []
    tone = ""
    tone_at = -1
    for base, marks in _clusters(unicodedata.normalize("NFD", word.lower())):
        shape = ""
        for mark in marks:
            if mark in _TONE_RANK:
                if tone or base not in _VOWELS:
                    return None
                tone = mark
                tone_at = len(letters)
            elif mark in _SHAPES and not shape:
                shape = mark
            else:
                return None
        letter = nfc(base + shape)
        if letter not in _VIET_LETTERS:
            return None
        letters.append(letter)
    return "".join(letters), tone, tone_at


def _is_syllable(word: str) -> bool:
    """Return True if ``word`` is a well-formed Vietnamese syllable.

    The check is phonotactic (initial + nucleus + final, tone compatible with the final
    and placed on the right vowel) rather than a dictionary look-up: enough to tell real
    text from mojibake, which almost always breaks one of these rules.
    """
    parts = _syllable_parts(word)
    if parts is None:
        return False
    toneless, tone, tone_at = parts
    for initial in _INITIALS:
        if not toneless.startswith(initial):
            continue
        rest = toneless[len(initial) :]
        for final in _FINALS:
            if len(rest) <= len(final) or not rest.endswith(final):
                continue
            nucleus = rest[: len(rest) - len(final)]
            if tone and not 0 <= tone_at - len(initial) < len(nucleus):
                continue
            if _nucleus_fits(initial, nucleus, final, tone, tone_at - len(initial)):
                return True
    return False


def _tone_places(nucleus: str, final: str) -> frozenset[int]:
    """Return the positions in ``nucleus`` that may carry the tone mark."""
    shaped = [i for i, ch in enumerate(nucleus) if ch in "ăâêôơư"]
    if shaped:
        return frozenset({shaped[-1]})
    if len(nucleus) == 1:
        return frozenset({0})
    if len(nucleus) == 2:
        if nucleus in ("oa", "oe", "uy", "oo"):
            # Old (hòa, thủy) and new (hoà, thuỷ) placements are both in use when open.
            return frozenset({1}) if final else frozenset({0, 1})
        return frozenset({0})  # falling diphthongs: ái, áo, múa, mía ...
    return frozenset({1})  # oai, oay, oao, oeo, uya, uyu


def _nucleus_fits(initial: str, nucleus: str, final: str, tone: str, tone_at: int) -> bool:
    """Return True if initial + nucleus + final + tone obey Vietnamese phonotactics."""
    kind = _NUCLEI.get(nucleus)
    if kind is None:
        return False
    if (kind == "glide" and final) or (kind == "closed" and not final):
        return False
    if final in ("nh", "ch") and nucleus not in _PALATAL_NUCLEI:
        return False
    if final in ("ng", "c") and nucleus in _NO_VELAR_NUCLEI:
        return False
    if final in _STOP_FINALS and tone not in (_ACUTE, _DOT):
        return False
    if tone and tone_at not in _tone_places(nucleus, final):
        return False
    first = nucleus[0]
    # k is not checked: minority place names write it before any vowel (Kon Tum, Bắc Kạn).
    if initial in ("gh", "ngh") and first not in _FRONT:
        return False
    if initial in ("c", "ng") and first in _FRONT:
        return False
    if initial == "g" and first in ("e", "ê"):
        return False
    return not (initial == "qu" and first in ("u", "ư"))


class _Assessment(NamedTuple):
    """How Vietnamese a text looks."""

    good: int  # words with diacritics that are valid syllables
    bad: int  # words with non-ASCII letters that are not
    garbage: int  # control characters and stray symbols
    good_letters: int  # letters in the ``good`` words
    ascii_good: int  # unaccented words that are still possible Vietnamese syllables
    ascii_bad: int  # unaccented words that are not (English, abbreviations, ...)
    rare_tones: int  # valid words with hỏi or ngã, the least frequent tones

    @property
    def score(self) -> int:
        """Return a single figure of merit; higher means more plausible Vietnamese."""
        return self.good - 2 * self.bad - self.garbage

    @property
    def rank(self) -> tuple[int, int]:
        """Return the sort rank among competing readings of the same input."""
        # When two readings are equally well-formed (VNI "Lö Thò" is TCVN3 "Lử Thũ"),
        # the one leaning less on the rare hỏi and ngã tones is the likelier.
        return self.score, -self.rare_tones

    @property
    def evidence(self) -> int:
        """Return how much Vietnamese the text shows, counting unaccented context words."""
        return self.good_letters + self.ascii_good - self.ascii_bad


_WORD_RE: Final = re.compile(r"[^\W\d_]+")
_RARE_TONES: Final = frozenset({_HOOK, _TILDE})
# Non-letters that legitimately occur in modern text and so are not evidence of mojibake.
_HARMLESS: Final = frozenset("\u00a0\u2018\u2019\u201c\u201d\u2013\u2014\u2026\u2022·°€₫")


def _assess(text: str) -> _Assessment:
    """Return counts of valid syllables, invalid words and garbage characters in ``text``."""
    good = bad = good_letters = ascii_good = ascii_bad = rare_tones = 0
    for word in _WORD_RE.findall(text):
        if word.isascii():
            if _is_syllable(word):
                ascii_good += 1
            else:
                ascii_bad += 1
        elif _is_syllable(word):
            good += 1
            good_letters += len(word)
            if _RARE_TONES & set(unicodedata.normalize("NFD", word)):
                rare_tones += 1
        else:
            bad += 1
    garbage = 0
    for ch in text:
        if ch.isascii():
            if (ch < " " and ch not in "\t\n\r\f\v") or ch == "\x7f":
                garbage += 1
        elif not ch.isalpha() and ch not in _HARMLESS:
            garbage += 1
    return _Assessment(good, bad, garbage, good_letters, ascii_good, ascii_bad, rare_tones)


# ------------------------------------------------------------------- byte → code point


def _cp1252_char(byte: int) -> str:
    """Return the cp1252 character for ``byte``, or its Latin-1 one where cp1252 has none."""
    try:
        return bytes([byte]).decode("cp1252")
    except UnicodeDecodeError:
        return chr(byte)


# Legacy font encodings were displayed through the Windows ANSI code page, so their
# bytes are handled as cp1252 characters; the five holes in cp1252 fall back to Latin-1
# so that no byte is ever lost.
_CP1252_FIX: Final[dict[int, str]] = {b: _cp1252_char(b) for b in range(0x80, 0xA0)}
_CP1252_CHARS: Final = frozenset(_CP1252_FIX.values())


def _bytes_to_ansi(data: bytes) -> str:
    """Return ``data`` as cp1252 text, never failing."""
    return data.decode("latin-1").translate(_CP1252_FIX)


# ----------------------------------------------------------------------------- TCVN3

# TCVN 5712:1993 "VN3", the table of the ABC .Vn* fonts (.VnTime, .VnArial, ...).
# Cross-checked against glibc's TCVN5712-1 converter (VN1, of which VN3 is the subset
# below) and independent converters. VN3 has every lowercase letter but only seven
# capitals; accented capitals are typed with the lowercase codes in the capital fonts
# (.VnTimeH), so they decode to lowercase. Bytes outside the table keep their cp1252
# meaning: VN3 leaves them to the font, and e.g. 0xE0 is "à" in Latin-1 text.
_TCVN3_TABLE: Final[dict[int, str]] = {
    0xA1: "Ă", 0xA2: "Â", 0xA3: "Ê", 0xA4: "Ô", 0xA5: "Ơ", 0xA6: "Ư", 0xA7: "Đ",
    0xA8: "ă", 0xA9: "â", 0xAA: "ê", 0xAB: "ô", 0xAC: "ơ", 0xAD: "ư", 0xAE: "đ",
    # grave, hook, tilde, acute, dot below
    0xB5: "à", 0xB6: "ả", 0xB7: "ã", 0xB8: "á", 0xB9: "ạ",
    0xBB: "ằ", 0xBC: "ẳ", 0xBD: "ẵ", 0xBE: "ắ", 0xC6: "ặ",
    0xC7: "ầ", 0xC8: "ẩ", 0xC9: "ẫ", 0xCA: "ấ", 0xCB: "ậ",
    0xCC: "è", 0xCE: "ẻ", 0xCF: "ẽ", 0xD0: "é", 0xD1: "ẹ",
    0xD2: "ề", 0xD3: "ể", 0xD4: "ễ", 0xD5: "ế", 0xD6: "ệ",
    0xD7: "ì", 0xD8: "ỉ", 0xDC: "ĩ", 0xDD: "í", 0xDE: "ị",
    0xDF: "ò", 0xE1: "ỏ", 0xE2: "õ", 0xE3: "ó", 0xE4: "ọ",
    0xE5: "ồ", 0xE6: "ổ", 0xE7: "ỗ", 0xE8: "ố", 0xE9: "ộ",
    0xEA: "ờ", 0xEB: "ở", 0xEC: "ỡ", 0xED: "ớ", 0xEE: "ợ",
    0xEF: "ù", 0xF1: "ủ", 0xF2: "ũ", 0xF3: "ú", 0xF4: "ụ",
    0xF5: "ừ", 0xF6: "ử", 0xF7: "ữ", 0xF8: "ứ", 0xF9: "ự",
    0xFA: "ỳ", 0xFB: "ỷ", 0xFC: "ỹ", 0xFD: "ý", 0xFE: "ỵ",
}  # fmt: skip
_TCVN3_ENCODE: Final[dict[str, int]] = {ch: byte for byte, ch in _TCVN3_TABLE.items()}


def _tcvn3_to_unicode(s: str) -> str:
    """Return ``s`` (TCVN3 bytes seen as cp1252/Latin-1 characters) as NFC Unicode."""
    # Every table byte is >= 0xA1, where cp1252 and Latin-1 agree, so the byte value
    # doubles as the code point of the mis-decoded character.
    return nfc(s.translate(_TCVN3_TABLE))


def decode_tcvn3(data: bytes) -> str:
    """Return the NFC text of TCVN3 (ABC, TCVN 5712:1993 VN3) encoded ``data``."""
    return _tcvn3_to_unicode(_bytes_to_ansi(data))


def encode_tcvn3(s: str) -> bytes:
    """Return ``s`` encoded in TCVN3; accented capitals become their lowercase codes.

    Raises UnicodeEncodeError for characters TCVN3 cannot carry, including cp1252
    characters whose byte TCVN3 reuses for a Vietnamese letter (such as "©").
    """
    text = nfc(s)
    out = bytearray()
    for i, ch in enumerate(text):
        if ch.isascii():
            out.append(ord(ch))
        elif ch in _TCVN3_ENCODE:
            out.append(_TCVN3_ENCODE[ch])
        elif ch.lower() in _TCVN3_ENCODE:
            out.append(_TCVN3_ENCODE[ch.lower()])
        else:
            byte = _encode_ansi_char(text, i, "tcvn3")
            if byte in _TCVN3_TABLE:
                raise UnicodeEncodeError("tcvn3", text, i, i + 1, "byte is a TCVN3 letter")
            out.append(byte)
    return bytes(out)


def _encode_ansi_char(text: str, i: int, encoding: str) -> int:
    """Return the cp1252 byte of ``text[i]``, raising UnicodeEncodeError if it has none."""
    try:
        return text[i].encode("cp1252")[0]
    except UnicodeEncodeError:
        raise UnicodeEncodeError(encoding, text, i, i + 1, "not representable") from None


# ------------------------------------------------------------------------------- VNI

# VNI-Windows (VNI-Times etc.): a letter is an ASCII base letter followed by one
# modifier byte, or one of a few single bytes. Capital letters use the capital form of
# the same Latin-1 characters, so only the lowercase table is spelled out.
_VNI_TONE_MOD: Final[dict[str, str]] = {
    _ACUTE: "ù", _GRAVE: "ø", _HOOK: "û", _TILDE: "õ", _DOT: "ï",
}  # fmt: skip
_VNI_CIRCUMFLEX_MOD: Final[dict[str, str]] = {
    "": "â", _ACUTE: "á", _GRAVE: "à", _HOOK: "å", _TILDE: "ã", _DOT: "ä",
}  # fmt: skip
_VNI_BREVE_MOD: Final[dict[str, str]] = {
    "": "ê", _ACUTE: "é", _GRAVE: "è", _HOOK: "ú", _TILDE: "ü", _DOT: "ë",
}  # fmt: skip
# i takes its tones as single bytes, as do ỵ, ơ, ư and đ.
_VNI_I: Final[dict[str, str]] = {
    "": "i", _ACUTE: "í", _GRAVE: "ì", _HOOK: "æ", _TILDE: "ó", _DOT: "ò",
}  # fmt: skip
_VNI_SINGLES: Final[dict[str, str]] = {
    "ô": "ơ", "ö": "ư", "ñ": "đ", "í": "í", "ì": "ì", "æ": "ỉ", "ó": "ĩ", "ò": "ị", "î": "ỵ",
}  # fmt: skip

# modifier character -> (shape mark, tone mark)
_VNI_MODIFIERS: Final[dict[str, tuple[str, str]]] = {
    **{mod: ("", tone) for tone, mod in _VNI_TONE_MOD.items()},
    **{mod: (_CIRCUMFLEX, tone) for tone, mod in _VNI_CIRCUMFLEX_MOD.items()},
    **{mod: (_BREVE, tone) for tone, mod in _VNI_BREVE_MOD.items()},
}
# VNI base character -> (Unicode base, shapes it accepts)
_VNI_BASES: Final[dict[str, tuple[str, frozenset[str]]]] = {
    "a": ("a", frozenset({"", _CIRCUMFLEX, _BREVE})),
    "e": ("e", frozenset({"", _CIRCUMFLEX})),
    "o": ("o", frozenset({"", _CIRCUMFLEX})),
    "u": ("u", frozenset({""})),
    "y": ("y", frozenset({""})),
    "ô": ("ơ", frozenset({""})),
    "ö": ("ư", frozenset({""})),
}


def _build_vni_encode() -> dict[str, str]:
    """Return the Unicode letter → VNI character sequence table, both cases."""
    rows: list[tuple[str, str, dict[str, str]]] = [
        ("a", "a", _VNI_TONE_MOD),
        ("ă", "a", _VNI_BREVE_MOD),
        ("â", "a", _VNI_CIRCUMFLEX_MOD),
        ("e", "e", _VNI_TONE_MOD),
        ("ê", "e", _VNI_CIRCUMFLEX_MOD),
        ("i", "", _VNI_I),
        ("o", "o", _VNI_TONE_MOD),
        ("ô", "o", _VNI_CIRCUMFLEX_MOD),
        ("ơ", "ô", _VNI_TONE_MOD),
        ("u", "u", _VNI_TONE_MOD),
        ("ư", "ö", _VNI_TONE_MOD),
        ("y", "y", _VNI_TONE_MOD),
    ]
    table: dict[str, str] = {"đ": "ñ"}
    for base, prefix, mods in rows:
        for tone in _TONES:
            letter = nfc(base + tone)
            if letter.isascii():
                continue
            table[letter] = prefix + mods.get(tone, "")
    table["ỵ"] = "î"
    table.update({k.upper(): v.upper() for k, v in list(table.items())})
    return table


_VNI_ENCODE: Final[dict[str, str]] = _build_vni_encode()
# Characters that mean something in VNI and so cannot stand for themselves.
_VNI_SIGNIFICANT: Final = frozenset(
    ch for key in (*_VNI_MODIFIERS, *_VNI_SINGLES) for ch in (key, key.upper())
)


def _vni_to_unicode(s: str) -> str:
    """Return ``s`` (VNI bytes seen as cp1252/Latin-1 characters) as NFC Unicode."""
    out: list[str] = []
    i, n = 0, len(s)
    while i < n:
        ch = s[i]
        low = ch.lower()
        base = _VNI_BASES.get(low)
        if base is not None and i + 1 < n:
            # The modifier's case is not checked: the base letter decides the case,
            # which also copes with text re-cased by Excel's PROPER() and friends.
            mod = _VNI_MODIFIERS.get(s[i + 1].lower())
            if mod is not None and mod[0] in base[1]:
                shape, tone = mod
                used = 2
                if shape and not tone and i + 2 < n:
                    # Tolerate a separate tone byte after â/ê; real VNI uses the combined
                    # byte, but a stray tone byte after a letter has no other reading.
                    extra = _VNI_MODIFIERS.get(s[i + 2].lower())
                    if extra is not None and not extra[0]:
                        tone = extra[1]
                        used = 3
                letter = nfc(base[0] + shape + tone)
                out.append(letter.upper() if ch.isupper() else letter)
                i += used
                continue
        single = _VNI_SINGLES.get(low)
        if single is not None:
            out.append(single.upper() if ch.isupper() else single)
        else:
            out.append(ch)
        i += 1
    return nfc("".join(out))


def decode_vni(data: bytes) -> str:
    """Return the NFC text of VNI-Windows encoded ``data``."""
    return _vni_to_unicode(_bytes_to_ansi(data))


def encode_vni(s: str) -> bytes:
    """Return ``s`` encoded in VNI-Windows.

    Raises UnicodeEncodeError for characters VNI cannot carry, including Latin-1
    characters that VNI uses as codes (such as "ö", "ñ" or "ä").
    """
    text = nfc(s)
    out: list[str] = []
    for i, ch in enumerate(text):
        if ch.isascii():
            out.append(ch)
        elif ch in _VNI_ENCODE:
            out.append(_VNI_ENCODE[ch])
        elif ch in _VNI_SIGNIFICANT:
            raise UnicodeEncodeError("vni", text, i, i + 1, "character is a VNI code")
        else:
            _encode_ansi_char(text, i, "vni")
            out.append(ch)
    return "".join(out).encode("cp1252")


# ------------------------------------------------------------------------- detection


def _decode_cp1258(data: bytes) -> str:
    """Return the NFC text of Windows-1258 ``data`` (its tones are combining marks)."""
    return nfc(data.decode("cp1258", errors="replace"))


# Order matters only for ties: cp1258 is a superset of cp1252 for non-Vietnamese Western
# text, so plain Latin-1 text is reported as cp1258 rather than as a font encoding.
_LEGACY_DECODERS: Final[tuple[tuple[str, Callable[[bytes], str]], ...]] = (
    ("cp1258", _decode_cp1258),
    ("vni", decode_vni),
    ("tcvn3", decode_tcvn3),
)


def decode_bytes(data: bytes) -> tuple[str, str]:
    """Return (NFC text, encoding name) for ``data`` of unknown Vietnamese encoding.

    The name is one of "utf-8", "utf-8-sig", "utf-16", "cp1258", "tcvn3" or "vni". A BOM
    or valid UTF-8 decides at once (ASCII counts as UTF-8); otherwise each legacy
    encoding is tried and the one whose text looks most like Vietnamese wins.
    """
    if data.startswith(codecs.BOM_UTF8):
        return nfc(data[len(codecs.BOM_UTF8) :].decode("utf-8", errors="replace")), "utf-8-sig"
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return nfc(data.decode("utf-16", errors="replace")), "utf-16"
    try:
        return nfc(data.decode("utf-8")), "utf-8"
    except UnicodeDecodeError:
        pass
    candidates = [(decoder(data), name) for name, decoder in _LEGACY_DECODERS]
    # max() keeps the first of equal scores, which is what the tie order above needs.
    return max(candidates, key=lambda candidate: _assess(candidate[0]).rank)


def _is_ansi_text(s: str) -> bool:
    """Return True if every character of ``s`` could come from a cp1252/Latin-1 byte."""
    return all(ord(ch) < 0x100 or ch in _CP1252_CHARS for ch in s)


def _clearly_better(fixed: _Assessment, original: _Assessment) -> bool:
    """Return True if ``fixed`` is decisively more Vietnamese than ``original``."""
    # A lone short word is too little evidence: "où", "dû" or "10 µm" would otherwise
    # become "ó", "dỷ" and "10 àm". Unaccented neighbours that read as Vietnamese
    # ("Lai Lai Xaõ") add evidence; ones that read as English take it away.
    return (
        fixed.evidence >= 3
        and fixed.score > original.score
        and fixed.bad + fixed.garbage < original.bad + original.garbage
        and fixed.good >= 2 * fixed.bad
    )


def repair_text(s: str) -> tuple[str, str | None]:
    """Return (text, source encoding) with TCVN3 or VNI mojibake in ``s`` repaired.

    ``s`` is text that was decoded as cp1252/Latin-1 although it was TCVN3 or VNI (e.g.
    "Lai Ch©u", "Vieät Nam"). The source encoding is "tcvn3" or "vni" when a repair was
    made, else None and the text is only NFC-normalised. Text containing any character
    outside cp1252 (so all genuine Vietnamese), ASCII text, and text that already reads
    as well as its re-decoding are left alone. So is a lone word of one or two letters:
    too little evidence to tell "dû" (French) from "dỷ" (TCVN3).
    """
    text = nfc(s)
    if text.isascii() or not _is_ansi_text(text):
        return text, None
    original = _assess(text)
    if original.bad + original.garbage == 0:
        return text, None
    best: tuple[_Assessment, str, str] | None = None
    for name, convert in (("tcvn3", _tcvn3_to_unicode), ("vni", _vni_to_unicode)):
        fixed = convert(text)
        if fixed == text:
            continue
        verdict = _assess(fixed)
        if _clearly_better(verdict, original) and (best is None or verdict.rank > best[0].rank):
            best = (verdict, fixed, name)
    if best is None:
        return text, None
    return best[1], best[2]
