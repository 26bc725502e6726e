"""Your network: a practitioner's own gradient log, diagnosed layer by layer."""

import streamlit as st

from ui import cached, control, page_header, setup_page, show, sources
from views import your_network as views

setup_page(__file__)
read_and_view = cached(views.read_and_view, max_entries=16)

link = page_header(views.HEADER)
left, right = st.columns([1, 2])
sample = control(views.SAMPLE, left)
# The uploader has a key but no URL binding: Streamlit cannot bind a file uploader (a file's
# bytes cannot travel in a link), so ui.control draws it unbound.
upload = control(views.UPLOAD, left)
pasted = control(views.PASTE, right)
if upload is not None:
    kind, data = "upload", upload.getvalue()
elif pasted and pasted.strip():
    kind, data = "paste", pasted
else:
    kind, data = sample, views.sample_bytes(sample)

result = read_and_view(data, kind, tuple(control(views.AT)))
if isinstance(result, str):
    st.error(result, icon="🚫")
else:
    caption, view = result
    st.caption(caption)
    if kind == sample:
        st.caption(views.sample_note(sample))
    for warning in view.warnings:
        st.warning(warning, icon="⚠️")
    st.markdown(view.diagnosis)
    if view.remedy:
        label, query = views.REMEDY_LINKS[view.remedy]
        st.page_link(views.REMEDIES_PAGE, label=label, icon="🩹", query_params=query)
    left, right = st.columns(2)
    with left:
        show(view.profile)
    with right:
        show(view.ratio)
    show(view.updates)
    st.subheader(views.SYMPTOMS_TITLE)
    st.markdown(views.SYMPTOMS_INTRO)
    st.markdown(view.symptoms)

with st.expander(views.SNIPPETS_TITLE):
    st.markdown(views.SNIPPETS_INTRO)
    st.markdown(views.FORMAT)
    st.code(views.PYTORCH_SNIPPET, language="python")
    st.code(views.KERAS_SNIPPET, language="python")
sources(views.SOURCES)
link.report()
