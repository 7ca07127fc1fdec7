"""What the Streamlit explorer (app/) shows, computed here so it can be tested without a browser."""
