"""What the HTML run report inlines: its style and script, and Mermaid with its licences."""
