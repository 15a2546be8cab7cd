"""The staff pages, one module per area of work. `urls.py` maps every /staff/ path to them;
`common.py` holds what they share (the page frame, the case a reader may see, the access
log's record of a read)."""
