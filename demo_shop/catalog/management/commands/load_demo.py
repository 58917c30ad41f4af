"""Load the demo catalogue (demo_shop/data/catalog.json), an admin and demo customers with orders
and browsing history (ecom_ai events, so recommendations have something to work with).

Idempotent: products are matched by SKU, customers by username; a second run changes nothing.
"""

from __future__ import annotations

import json
import random
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import User
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from demo_shop.catalog.models import Category, Product
from demo_shop.orders.models import Order, OrderLine

DATA = Path(__file__).resolve().parents[3] / "data" / "catalog.json"
FIRST = ["Anna", "Ben", "Clara", "David", "Elena", "Felix", "Greta", "Hugo", "Ines", "Jonas", "Katja",
         "Luca", "Maya", "Noah", "Olga", "Paul", "Rosa", "Sami", "Tara", "Umar", "Vera", "Wim", "Yara", "Zoe"]
LAST = ["Berg", "Costa", "Dumont", "Eriksen", "Fischer", "Garcia", "Horvat", "Jansen", "Kowalski", "Laurent",
        "Moreau", "Novak", "Olsen", "Peters", "Rossi", "Silva", "Weber"]
STATUSES = [Order.Status.DELIVERED] * 6 + [Order.Status.SHIPPED, Order.Status.PAID, Order.Status.CANCELLED]


def load_catalog(path: Path = DATA) -> tuple[int, int]:
    """Create or update categories and products from the JSON file; returns (created, updated)."""
    data = json.loads(path.read_text(encoding="utf-8"))
    cats = {}
    for c in data["categories"]:
        cats[c["slug"]], _ = Category.objects.update_or_create(
            slug=c["slug"], defaults={"name": c["name"], "description": c.get("description", "")})
    existing = {p.sku: p for p in Product.objects.filter(sku__in=[p["sku"] for p in data["products"]])}
    created = updated = 0
    for item in data["products"]:
        fields = {
            "title": item["title"], "brand": item.get("brand", ""), "category": cats[item["category"]],
            "description": item.get("description", ""), "price": Decimal(str(item["price"])),
            "stock": int(item.get("stock", 0)), "attributes": item.get("attributes", {}),
            "consumable": bool(item.get("consumable", False)), "source": "demo",
        }
        product = existing.get(item["sku"])
        if product is None:
            Product.objects.create(sku=item["sku"], slug=slugify(f"{item['title']}-{item['sku']}")[:200], **fields)
            created += 1
        elif any(getattr(product, k) != v for k, v in fields.items()):
            for k, v in fields.items():
                setattr(product, k, v)
            product.save()
            updated += 1
    return created, updated


def load_customers(count: int = 40, seed: int = 7) -> int:
    """Demo customers (password "demo1234") with a few months of orders each."""
    rng = random.Random(seed)
    products = list(Product.objects.filter(source="demo").select_related("category").order_by("sku"))
    if not products:
        return 0
    by_cat: dict[int, list[Product]] = {}
    for p in products:
        by_cat.setdefault(p.category_id, []).append(p)
    made = 0
    now = timezone.now()
    password = make_password("demo1234")  # hashed once: hashing per user costs seconds
    for i in range(count):
        username = f"{FIRST[i % len(FIRST)].lower()}{i + 1}"
        if User.objects.filter(username=username).exists():
            continue
        first, last = FIRST[i % len(FIRST)], LAST[(i * 7) % len(LAST)]
        user = User.objects.create(username=username, email=f"{username}@example.com", password=password,
                                   first_name=first, last_name=last)
        favourite = rng.sample(list(by_cat), k=min(2, len(by_cat)))
        for _ in range(rng.randint(1, 5)):
            pool = by_cat[rng.choice(favourite)] if rng.random() < 0.8 else products
            picks = rng.sample(pool, k=min(len(pool), rng.randint(1, 3)))
            order = Order.objects.create(user=user, email=user.email, full_name=f"{first} {last}",
                                         address=f"{rng.randint(1, 99)} Demo Street, Amsterdam",
                                         status=rng.choice(STATUSES))
            for p in picks:
                OrderLine.objects.create(order=order, product=p, title=p.title, unit_price=p.price,
                                         quantity=rng.randint(1, 2))
            order.total = sum(line.line_total for line in order.lines.all())
            order.save(update_fields=["total"])
            Order.objects.filter(pk=order.pk).update(created_at=now - timedelta(days=rng.randint(1, 120)))
        made += 1
    return made


def load_policies(path: Path = DATA.with_name("policies.json")) -> tuple[int, int]:
    """The help-centre articles into ecom_ai's chat knowledge base (embedded when the encoder loads)."""
    from ecom_ai.services.chat.knowledge import load_articles_file

    try:
        return load_articles_file(path)
    except Exception:  # no encoder here: store the sections now, ecom_ai_load_kb embeds them later
        return load_articles_file(path, embed=False)


def load_browsing(seed: int = 11, sessions_per_customer: int = 3) -> int:
    """Browsing history for the demo customers (ecom_ai events: views, cart adds, and their orders as
    purchases) so "recommended for you", "trending" and "bought together" show something on first run.
    Skipped for customers who already have events; returns the number of events written."""
    from ecom_ai.models import Event
    from ecom_ai.services.recs_stats import refresh_all

    rng = random.Random(seed)
    products = list(Product.objects.filter(source="demo", is_active=True).order_by("sku"))
    if not products:
        return 0
    by_cat: dict[int, list[Product]] = {}
    for p in products:
        by_cat.setdefault(p.category_id, []).append(p)
    now = timezone.now()
    has_events = set(Event.objects.exclude(user=None).values_list("user_id", flat=True).distinct())
    events: list[Event] = []
    for user in User.objects.filter(is_staff=False).exclude(pk__in=has_events).order_by("pk"):
        for order in Order.objects.filter(user=user).prefetch_related("lines"):
            for line in order.lines.all():
                if line.product_id:
                    events.append(Event(user=user, product_ref=str(line.product_id), kind="purchase",
                                        weight=5.0, value=line.line_total, context={"order": order.number},
                                        created_at=order.created_at))
        bought_cats = list(OrderLine.objects.filter(order__user=user)
                           .values_list("product__category_id", flat=True))
        for _ in range(sessions_per_customer):
            start = now - timedelta(days=rng.randint(0, 30), minutes=rng.randint(0, 600))
            cat = rng.choice(bought_cats) if bought_cats and rng.random() < 0.7 else rng.choice(list(by_cat))
            pool = by_cat.get(cat) or products
            for step, product in enumerate(rng.sample(pool, k=min(len(pool), rng.randint(3, 7)))):
                at = start + timedelta(minutes=2 * step)
                events.append(Event(user=user, product_ref=str(product.pk), kind="view", weight=1.0,
                                    created_at=at))
                if rng.random() < 0.15:
                    events.append(Event(user=user, product_ref=str(product.pk), kind="add_to_cart",
                                        weight=3.0,
                                        created_at=at + timedelta(seconds=30)))
    Event.objects.bulk_create(events, batch_size=2000)
    refresh_all()
    return len(events)


class Command(BaseCommand):
    help = "Load the demo catalogue, an admin (admin/admin) and demo customers. Idempotent."

    def add_arguments(self, parser):
        parser.add_argument("--customers", type=int, default=40)

    def handle(self, *args, customers: int, **options):
        with transaction.atomic():
            created, updated = load_catalog()
            if not User.objects.filter(username="admin").exists():
                User.objects.create_superuser("admin", "admin@example.com", "admin")
            made = load_customers(customers)
            browsing = load_browsing()
        articles = load_policies()
        self.stdout.write(f"catalogue: {created} created, {updated} updated, "
                          f"{Product.objects.count()} products; customers: {made} created; "
                          f"browsing events: {browsing}; "
                          f"help articles: {articles[0]} created, {articles[1]} updated")
