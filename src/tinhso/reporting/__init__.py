"""The shared reporting system: report forms, periods, data entry, approval, completeness."""
