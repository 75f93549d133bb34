"""The staff directory, as the platform knows it (see `contracts.declarations`)."""

from contracts.declarations import Publication, ServiceDeclaration
from contracts.events import StaffRolesSet
from contracts.topics import STAFF_ROLES

SERVICE = ServiceDeclaration(
    name="staff-directory",
    package="staff_directory",
    folder="staff-directory",
    env_prefix="STAFF",
    port=8004,
    database="staff_directory",
    summary="PUT /staff, GET /staff, DELETE /staff/{member_id} (administrators)",
    publishes=(Publication(STAFF_ROLES, (StaffRolesSet,)),),
)
