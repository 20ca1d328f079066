"""Customer, product and unit pages, the type-ahead searches and the import."""

from app.core.masterdata.views import customers, imports, products, units  # noqa: F401
