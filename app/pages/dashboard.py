import pandas as pd
import streamlit as st

import magnet_graph as mg
from magnet_graph.explore.settings import run_dir

st.title("Run dashboard")
run = run_dir()
if run is None:
    st.info("No run directory: start with `magnet-graph app --run RUN_DIR`.")
    st.stop()


@st.cache_data
def report(path: str):
    return mg.data_report(path)


data = report(str(run))
columns = st.columns(5)
columns[0].metric("Records", data["records"])
columns[1].metric("Paths", data["paths"])
columns[2].metric("Dropped", data["dropped"])
columns[3].metric(
    "Calls executed", f"{data['executability']['executed_ok']}/{data['executability']['reference_calls']}"
)
for name, check in list(data["checks"].items())[:1]:  # an integration's own checker, when the run has one
    columns[4].metric(f"Positives accepted ({name})", check["positive_accept_rate"])


def bars(title, counts):
    st.markdown(f"**{title}**")
    st.bar_chart(pd.DataFrame({"count": list(counts.values())}, index=[str(k) for k in counts]))


left, right = st.columns(2)
with left:
    bars("Records by kind", data["records_by_kind"])
    bars("Drops by stage", data["drops_by_stage"] or {"none": 0})
    bars("Turns per multi-turn record", data["lengths"]["turns_per_multi_turn"]["histogram"])
with right:
    bars("Phenomena (records)", data["phenomena"]["records"])
    bars("Negatives by error type", data["negatives_by_type"])
    bars("Calls per multi-turn record", data["lengths"]["calls_per_multi_turn"]["histogram"])
st.markdown("**Coverage and diversity**")
st.json(
    {
        "coverage": data["coverage"],
        "diversity": data["diversity"],
        "teacher": data["teacher"],
        "contamination": {
            name: {k: v for k, v in found.items() if k != "examples"} for name, found in data["contamination"].items()
        },
    }
)
