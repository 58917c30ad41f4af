"""Migration operation that creates a PostgreSQL extension, or explains clearly why it cannot."""

from __future__ import annotations

from django.db import migrations


class CreateExtensionWithHint(migrations.RunSQL):
    def __init__(self, name: str, hint: str):
        self.name = name
        self.hint = hint
        super().__init__(migrations.RunSQL.noop, migrations.RunSQL.noop)

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor != "postgresql":
            raise RuntimeError("ecom_ai needs PostgreSQL (with pgvector); this database is "
                               f"{schema_editor.connection.vendor}.")
        with schema_editor.connection.cursor() as cursor:
            cursor.execute("SELECT 1 FROM pg_available_extensions WHERE name = %s", [self.name])
            if cursor.fetchone() is None:
                raise RuntimeError(f"PostgreSQL extension {self.name!r} is not installed on the server. "
                                   f"{self.hint}")
            cursor.execute(f'CREATE EXTENSION IF NOT EXISTS "{self.name}"')

    def describe(self):
        return f"Creates extension {self.name}"
