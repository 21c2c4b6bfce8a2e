"""JSON Schemas as OpenAI's strict mode takes them (tool parameters, structured answers)."""


def strict_object(properties: dict) -> dict:
    """An object of exactly these properties, all required: strict mode accepts no optional
    property (a property that may be absent is nullable instead) and no other key."""
    return {
        "type": "object",
        "properties": properties,
        "required": list(properties),
        "additionalProperties": False,
    }


def nullable(kind: str) -> dict:
    return {"type": [kind, "null"]}
