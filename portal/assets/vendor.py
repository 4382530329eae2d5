"""Copies govuk-frontend's compiled CSS and JS from an unpacked `npm pack` into this folder,
without the GDS Transport @font-face rules and the source-map comments (see README.md).

    python3 portal/assets/vendor.py path/to/package
"""
import pathlib, re, sys

src = pathlib.Path(sys.argv[1]) / "dist" / "govuk"
here = pathlib.Path(__file__).parent
css = (src / "govuk-frontend.min.css").read_text()
css = re.sub(r"@font-face\{[^}]*\}", "", css)
css = re.sub(r"/\*# sourceMappingURL=[^*]*\*/", "", css)
(here / "govuk-frontend.min.css").write_text(css)
js = (src / "govuk-frontend.min.js").read_text()
js = re.sub(r"//# sourceMappingURL=\S+", "", js)
(here / "govuk-frontend.min.js").write_text(js)
