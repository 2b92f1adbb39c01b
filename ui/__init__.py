"""The only Streamlit-aware helpers: session-state keys, cached wrappers, shared widgets."""
