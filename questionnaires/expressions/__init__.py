"""A small, safe expression language for ``required``, ``relevant`` and ``constraint`` rules.

Source text is tokenized (``lexer``), parsed by recursive descent into a tree of dataclasses
(``parser``, ``nodes``) and evaluated over the answers (``evaluator``) by total rules
(``values``, ``functions``): nothing is ever handed to Python's ``eval``. ``FORMAT.md`` in the
package documents the language for authors; in short:

* literals ``12``, ``0.5``, ``'text'``, ``"text"``, ``true``, ``false``, ``null``; item codes;
  ``.`` for the value under check (constraints only);
* ``= == != < <= > >=``, ``in [..]`` / ``not in [..]``, ``+ - * / %``, unary minus, brackets,
  ``and``, ``or``, ``not``;
* ``selected(item, 'code')``, ``count(item)``, ``answered(item)``, ``length(x)``,
  ``today()``, ``date(x)``.

An unanswered item is null; comparisons and arithmetic with null give null; logic is
three-valued; a rule holds only when it is ``true``.
"""

from questionnaires.expressions.errors import ExpressionError as ExpressionError
from questionnaires.expressions.evaluator import OwnValueUnavailable as OwnValueUnavailable
from questionnaires.expressions.expression import MISSING as MISSING
from questionnaires.expressions.expression import Expression as Expression
from questionnaires.expressions.expression import parse as parse
from questionnaires.expressions.lexer import KEYWORDS as KEYWORDS
from questionnaires.expressions.values import AnswerTypeError as AnswerTypeError
from questionnaires.expressions.values import Value as Value
