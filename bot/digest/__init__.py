"""The weekly leadership digest by DM: what workslop cost the team and whether effort went
where the value is — `figures` (the numbers), `chart` (the PNG), `service` (who, when, exactly once)."""

__all__ = ["chart", "figures", "service"]
