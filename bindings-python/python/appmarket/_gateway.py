"""The payment gateway a host plugs in: ``Marketplace(payments=my_gateway)``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol, runtime_checkable

if TYPE_CHECKING:
    from appmarket._appmarket import ChargeRequest, Receipt, RefundRequest


@runtime_checkable
class PaymentGateway(Protocol):
    """Any object with these two methods is a payment gateway.

    The marketplace calls them while it decides ``pay``, a refund, or an auto-renewal in
    ``tick``, from the calling thread (``pay`` runs with the GIL released; the call takes it
    back).

    - Return a ``Receipt`` when the money moved.
    - Raise ``appmarket.PaymentDeclined(reason)`` when the provider refused and no money moved:
      a declined order payment cancels the order (ORD-3).
    - Anything else raised (a timeout, a connection error, a bug) is a failure: the command
      raises ``appmarket.GatewayError`` and records nothing, so it can be retried.

    ``request.idempotency_key`` is the same every time the marketplace asks for the same money
    (a retry after a failure, a replayed request id). Move money at most once per key: answer a
    key seen before with its first outcome (the same receipt, or the same decline), and keep
    keys as long as a host may retry; pass the key on as the provider's idempotency key where it
    has one.
    """

    def charge(self, request: ChargeRequest) -> Receipt: ...

    def refund(self, request: RefundRequest) -> Receipt: ...
