"""The bank API, mounted at ``api/bank/v1/`` (design.md §8)."""

from django.urls import path

from activation.api import BankActivationApi, BankOpenApiDocument

app_name = "activation"

urlpatterns = [
    path("activations", BankActivationApi.as_view(), name="bank_activation"),
    path("openapi.json", BankOpenApiDocument.as_view(), name="bank_openapi"),
]
