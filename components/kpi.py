"""KPI cards: one indicator with its value, its change and a colour that says whether the change is good."""

from __future__ import annotations

import streamlit as st

from queries.metrics import METRICS


def kpi_card(key: str, value, delta=None, delta_label: str = "", help_text: str | None = None,
             label: str | None = None) -> None:
    """st.metric with the registry's label, unit and direction (red = the bad way, green = the good way)."""
    metric = METRICS[key]
    colour = "off" if metric.higher_is_better is None else ("normal" if metric.higher_is_better else "inverse")
    arrow = "auto"
    delta_text = None
    if delta is not None and round(delta, metric.precision) == 0:
        delta_text, colour, arrow = "持平", "off", "off"
    elif delta is not None:
        unit = "百分点" if metric.unit == "%" else metric.unit
        delta_text = f"{delta:+,.{metric.precision}f}{unit}"
    # The comparison ("较上周") goes beside the delta, so a narrow card does not cut the number off.
    st.metric(label or metric.label, metric.format(value), delta_text, delta_color=colour, delta_arrow=arrow,
              delta_description=delta_label or None if delta is not None else None,
              help=help_text or metric.definition, border=True)
