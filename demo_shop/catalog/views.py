"""Catalogue pages: home, category listing, product detail and the shop's own keyword search."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.db.models import Q
from django.shortcuts import get_object_or_404, render

from .models import Category, Product


def home(request):
    featured = Product.objects.filter(is_active=True, stock__gt=0).select_related("category")[:8]
    return render(request, "catalog/home.html", {"featured": featured})


def category(request, slug: str):
    cat = get_object_or_404(Category, slug=slug)
    products = Product.objects.filter(category=cat, is_active=True).select_related("category")
    page = Paginator(products, 24).get_page(request.GET.get("page"))
    return render(request, "catalog/category.html", {"category": cat, "page": page})


def product_detail(request, slug: str):
    product = get_object_or_404(Product.objects.select_related("category"), slug=slug, is_active=True)
    return render(request, "catalog/product.html", {"product": product})


def keyword_search(request):
    """The shop's plain search (title/brand contains), as shops have before adding ecom_ai."""
    q = request.GET.get("q", "").strip()[:200]
    products = Product.objects.none()
    if q:
        products = Product.objects.filter(
            Q(title__icontains=q) | Q(brand__icontains=q), is_active=True
        ).select_related("category")
    page = Paginator(products, 24).get_page(request.GET.get("page"))
    return render(request, "catalog/search.html", {"q": q, "page": page})
