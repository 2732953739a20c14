"""The run report: figures tallied from the rows, pages per interaction, one HTML file."""
