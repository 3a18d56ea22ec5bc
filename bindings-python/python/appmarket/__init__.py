"""appmarket: buyer-side rules of a cloud application marketplace.

The compiled core lives in ``appmarket._appmarket``; everything public is re-exported here:
its ``__all__`` (the names its Rust module exports; its generated stub ``_appmarket.pyi``
declares the same) and ``PaymentGateway``. Money is ``decimal.Decimal``, instants are
timezone-aware ``datetime``; errors are ``AppMarketError`` and one subclass per kind.
"""

from appmarket._appmarket import *  # noqa: F403
from appmarket._gateway import PaymentGateway as PaymentGateway
