import pandas as pd
import streamlit as st

from magnet_graph.evaluation.data_report import data_report
from magnet_graph.explore.settings import run_dir

st.title("Run dashboard")
run = run_dir()
if run is None:
    st.info("No run directory: start with `magnet-graph app --run RUN_DIR`.")
    st.stop()


@st.cache_data
def report(path: str):
    return data_report(path)


data = report(str(run))
columns = st.columns(5)
columns[0].metric("Records", data["records"])
columns[1].metric("Paths", data["paths"])
columns[2].metric("Dropped", data["dropped"])
columns[3].metric(
    "Calls executed", f"{data['executability'].get('executed_ok', '?')}/{data['executability']['reference_calls']}"
)
columns[4].metric("Positives accepted", data["bfcl_checker"]["positive_accept_rate"])


def bars(title, counts):
    st.markdown(f"**{title}**")
    st.bar_chart(pd.DataFrame({"count": list(counts.values())}, index=[str(k) for k in counts]))


left, right = st.columns(2)
with left:
    bars("Records by kind", data["records_by_kind"])
    bars("Drops by stage", data["drops_by_stage"] or {"none": 0})
    bars("Turns per multi-turn record", data["lengths"]["turns_per_multi_turn"])
with right:
    bars("Phenomena (records)", data["phenomena"])
    bars("Negatives by error type", data["negatives_by_type"])
    bars("Calls per multi-turn record", data["lengths"]["calls_per_multi_turn"])
st.markdown("**Coverage and diversity**")
st.json(
    {
        "coverage": data["coverage"],
        "diversity": data["diversity"],
        "teacher": data["teacher"],
        "contamination": {k: v for k, v in data["contamination"].items() if k != "examples"},
    }
)
