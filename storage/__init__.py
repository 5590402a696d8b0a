"""Storage: tables, repositories, migrations. Importing the package registers every table."""

from storage import (  # noqa: F401
    models,
    models_api,
    models_outbox,
    models_procedure,
    models_register,
    models_support,
)
