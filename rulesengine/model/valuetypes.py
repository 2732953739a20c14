"""The types of the rule language: what a name, a literal or an expression stands for.

Types are data shared by the model's list of primitives and by the language's checker.
An enumeration is a type with the words it may take (`kind` is agent, queue, strategy
or workbin); every other type is known by its name. Any value may be `none` (a step
that never happened, a data key that is absent): the types say what a value is when
there is one.
"""

from __future__ import annotations

import attrs


@attrs.frozen
class Type:
    """A type by name; an enumeration also carries its words."""

    name: str
    values: frozenset[str] | None = attrs.field(default=None, eq=False)

    @property
    def is_enum(self) -> bool:
        return self.values is not None

    def __str__(self) -> str:
        return self.name


BOOL = Type("bool")
NUMBER = Type("number")
DURATION = Type("duration")
STRING = Type("string")
MOMENT = Type("moment")
PHASE = Type("phase")
PARTY = Type("party")
PARTIES = Type("parties")
#: an attached data value: a string, a number or true/false, known only when read
DATA = Type("data")
#: the literal `none`, which fits any type
NONE = Type("none")

#: what a user may name in `fact NAME: TYPE` (besides vocabularies) and `param NAME: TYPE`
FACT_TYPES = {"bool": BOOL, "number": NUMBER, "duration": DURATION, "string": STRING,
              "moment": MOMENT, "party": PARTY}
PARAM_TYPES = {"duration": DURATION, "int": NUMBER, "number": NUMBER, "bool": BOOL, "string": STRING}


def enumeration(name: str, values) -> Type:
    return Type(name, frozenset(values))


def describe(type_: Type) -> str:
    """How a message names the type: `a duration`, `a party`, `one of kind's words`."""
    if type_.values is not None:
        return f"a {type_.name} ({', '.join(sorted(type_.values))})"
    article = "an" if type_.name[0] in "aeiou" else "a"
    return {"parties": "a list of parties", "none": "none"}.get(type_.name, f"{article} {type_.name}")
