"""Item pipelines: extraction hand-off (a process pool) and records.

The package imports none of its modules: an extraction process imports
``crawler.pipelines._recorder`` alone, without Scrapy (``extract.py`` imports it).
"""
