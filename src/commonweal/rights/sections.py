"""The sections of a person's data download: the `data-sections` registry lives in
`core.personal_data`, so each app that holds data about people adds its own section from
its `AppConfig.ready()` without importing rights. Today: people (10, the record), intake
(20, applications), cases (30), messaging (40), rights (50 consents, 60 correction
requests), privacy (70, who has seen it).
"""

from __future__ import annotations

from commonweal.core.personal_data import DATA_SECTIONS, DataSection, data_sections

__all__ = ["DATA_SECTIONS", "DataSection", "data_sections"]
