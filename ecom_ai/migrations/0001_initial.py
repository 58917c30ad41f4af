from django.db import migrations, models
import pgvector.django

from ecom_ai.migration_operations import CreateExtensionWithHint

PGVECTOR_HINT = (
    "Install pgvector (https://github.com/pgvector/pgvector) on the database server, or leave "
    "DATABASE_URL unset in the demo to use the embedded PostgreSQL that ships with it."
)


class Migration(migrations.Migration):
    initial = True
    dependencies = []

    operations = [
        CreateExtensionWithHint("vector", PGVECTOR_HINT),
        CreateExtensionWithHint("pg_trgm", "pg_trgm ships with PostgreSQL's contrib package."),
        CreateExtensionWithHint("unaccent", "unaccent ships with PostgreSQL's contrib package."),
        migrations.CreateModel(
            name="IndexedProduct",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("product_ref", models.CharField(max_length=64, unique=True)),
                ("title", models.CharField(max_length=500)),
                ("brand", models.CharField(blank=True, db_index=True, max_length=200)),
                ("category", models.CharField(blank=True, db_index=True, max_length=200)),
                ("description", models.TextField(blank=True)),
                ("attributes", models.JSONField(blank=True, default=dict)),
                ("price", models.DecimalField(blank=True, decimal_places=2, max_digits=12, null=True)),
                ("in_stock", models.BooleanField(default=True)),
                ("is_visible", models.BooleanField(default=True)),
                ("url", models.CharField(blank=True, max_length=500)),
                ("text", models.TextField(blank=True, help_text="The text the encoder reads.")),
                ("content_hash", models.CharField(blank=True, max_length=64)),
                ("model_key", models.CharField(blank=True, max_length=200)),
                ("dimensions", models.PositiveSmallIntegerField(blank=True, null=True)),
                ("embedding", pgvector.django.VectorField(blank=True, null=True)),
                ("embedded_hash", models.CharField(blank=True, max_length=64)),
                ("embedded_at", models.DateTimeField(blank=True, null=True)),
                ("skip_reason", models.CharField(blank=True, max_length=200)),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                ("updated_at", models.DateTimeField(auto_now=True)),
            ],
            options={
                "verbose_name": "indexed product",
                "indexes": [
                    models.Index(fields=["in_stock", "is_visible"], name="ecom_ai_ip_stock_vis"),
                    models.Index(fields=["price"], name="ecom_ai_ip_price"),
                ],
            },
        ),
    ]
