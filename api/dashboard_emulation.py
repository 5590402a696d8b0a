"""The dashboard's emulation panel (api/static/dashboard-emulation.js): its labels, merged into
the page's by api/dashboard.labels()."""

from __future__ import annotations

from domain.i18n import N_

SCRIPT = "dashboard-emulation.js"
LABELS = {
    "emulation_heading": N_("Poverty reduction emulation"),
    "emulation_year_label": N_("Year"),
    "emulation_download": N_("Download the ranking (XLSX)"),
    "emulation_period": N_("From {start} to {end}; units ranked by the reduction against target."),
    "emulation_chart": N_(
        "Reduction of the poverty rate in percentage points, with each unit's target, by unit"
    ),
    "emulation_bar": N_("reduced by {reduction} points, target {target}"),
    "emulation_met": N_("target met"),
    "emulation_missed": N_("target not met"),
    "emulation_target_tick": N_("target"),
    "emulation_total": N_(
        "Overall: poverty rate {start} → {end}, down {reduction} points (target {target}); "
        "{exits} exited poverty, {sustainable} sustainably, {fell_back} fell back; "
        "{supports} acts of support worth {value}."
    ),
    "emulation_rank": N_("Rank"),
    "emulation_target": N_("Target (points)"),
    "emulation_rate_start": N_("Rate on 1 January"),
    "emulation_rate_end": N_("Rate at end"),
    "emulation_reduction": N_("Reduction (points)"),
    "emulation_margin": N_("Against target"),
    "emulation_exits": N_("Exited"),
    "emulation_sustainable": N_("Sustainable exits"),
    "emulation_fell_back": N_("Fell back"),
    "emulation_supports": N_("Support given"),
    "emulation_support_value": N_("Support value"),
    "emulation_fund": N_("Fund"),
    "emulation_units_heading": N_("Units that beat their target"),
    "emulation_households_heading": N_("Out of poverty 2 years or more, helping others"),
    "emulation_supporters_heading": N_("Supporters who gave most"),
    "emulation_unit_item": N_("{unit}: down {reduction} points (target {target})"),
    "emulation_household_item": N_(
        "{head} ({hamlet}), out of poverty since {exited}: {count} times, {value}, "
        "{households} households helped"
    ),
    "emulation_supporter_item": N_("{name}: {count} times, {value}, {households} households"),
    "emulation_none": N_("None yet."),
}
