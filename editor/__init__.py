"""What serves editors: the language server (lsp.py), the `fmt` and `lsp` commands (cli.py), where each name
of a spec is declared and used (index.py) and what may be typed at a cursor (complete.py).

It reads specs through the front end only (`spec`); `faultline.cli` registers its commands. The formatter
itself stays in the front end (spec/printer.py): it is a pass over the syntax tree that the parser builds,
and checks its output by parsing it again.
"""
