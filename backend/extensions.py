"""Extension objects, created unbound and initialised in create_app()."""

from flask_compress import Compress
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_smorest import Api
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import MetaData

# Named constraints so Alembic migrations are stable on SQLite and PostgreSQL alike.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

class DocumentedApi(Api):
    """flask-smorest's Api, documenting errors in the shape backend/errors.py answers with."""

    from backend.errors import ErrorSchema as ERROR_SCHEMA  # noqa: N811


db = SQLAlchemy(metadata=MetaData(naming_convention=NAMING))
migrate = Migrate()
login_manager = LoginManager()
api = DocumentedApi()
compress = Compress()
limiter = Limiter(key_func=get_remote_address, default_limits=[])
