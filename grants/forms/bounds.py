"""The forms take their bounds from the model fields, so that each limit is written once: the
maximum length of a free text (the text area then says how much room is left) and the rules
for a date (no year 0001 or 9999, and no future date where something has happened)."""


def max_length(model, name) -> int:
    return model._meta.get_field(name).max_length


def date_rules(model, name) -> list:
    return list(model._meta.get_field(name).validators)
