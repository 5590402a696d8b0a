"""Storage: tables, repositories, migrations. Importing the package registers every table."""

from storage import models, models_api, models_outbox, models_procedure, models_register  # noqa: F401
