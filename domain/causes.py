"""Causes of poverty (nguyên nhân nghèo): the commonly used list, codes stable, text translated."""

from __future__ import annotations

from domain.i18n import N_

CAUSES: tuple[tuple[str, str], ...] = (
    ("no_capital", N_("Lack of capital for production")),
    ("no_land", N_("Lack of farmland")),
    ("no_means", N_("Lack of means of production")),
    ("no_labour", N_("Lack of labour")),
    ("no_job", N_("No job or not enough work")),
    ("dependants", N_("Many dependants")),
    ("illness", N_("Sickness or serious illness")),
    ("no_skills", N_("Lack of knowledge and production skills")),
    ("disaster", N_("Risks, natural disasters")),
    ("idleness", N_("Reluctance to work")),
    ("social_evils", N_("Social evils")),
    ("other", N_("Other")),
)
CAUSE_LABELS = dict(CAUSES)
