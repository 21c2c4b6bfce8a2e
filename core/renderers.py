"""JSON in and out without a float anywhere near an amount.

DRF's encoder turns a Decimal into a float, so 500.00 leaves as 500.0 and large amounts can lose
cents. simplejson writes a Decimal's exact digits (500.00), and JSON numbers are read as Decimal.
"""

import codecs
import decimal

import simplejson
from django.utils.translation import gettext
from rest_framework import parsers, renderers
from rest_framework.exceptions import ParseError
from rest_framework.utils import json


class JSONRenderer(renderers.JSONRenderer):
    def render(self, data, accepted_media_type=None, renderer_context=None):
        if data is None:
            return b""
        renderer_context = renderer_context or {}
        indent = self.get_indent(accepted_media_type, renderer_context)
        if indent is None:
            separators = renderers.SHORT_SEPARATORS if self.compact else renderers.LONG_SEPARATORS
        else:
            separators = renderers.INDENT_SEPARATORS
        text = simplejson.dumps(
            data,
            default=self.encoder_class().default,
            use_decimal=True,
            indent=indent,
            ensure_ascii=self.ensure_ascii,
            allow_nan=not self.strict,
            separators=separators,
        )
        # Same as DRF: keep the output a strict JavaScript subset.
        return text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029").encode()


class JSONParser(parsers.JSONParser):
    renderer_class = JSONRenderer

    def parse(self, stream, media_type=None, parser_context=None):
        encoding = (parser_context or {}).get("encoding") or "utf-8"
        try:
            return json.load(
                codecs.getreader(encoding)(stream),
                parse_float=decimal.Decimal,
                parse_constant=json.strict_constant if self.strict else None,
            )
        except ValueError as exc:
            # Where it broke, not Python's English wording: the answer stays in one language.
            if hasattr(exc, "lineno"):  # json.JSONDecodeError
                raise ParseError(
                    gettext("The body is not valid JSON (line %(line)d, column %(column)d).")
                    % {"line": exc.lineno, "column": exc.colno}
                ) from None
            raise ParseError(gettext("The body is not valid JSON.")) from None  # not UTF-8, NaN
