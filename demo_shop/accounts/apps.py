"""App config of accounts."""

from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "demo_shop.accounts"
    label = "accounts"
