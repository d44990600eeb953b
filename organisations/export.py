"""An organisation's data as a ZIP, for its leaders and for the keepers of its register entry.

Each app contributes what it holds about the organisation (scheme.registry), as far as the one
exporting may see it: a caseworker gets the cases of the schemes their body runs, and nobody
gets another organisation's confidential meeting notes, check-ins or flags.
"""

from django.db import transaction
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from organisations.models import Organisation
from scheme import audit, registry
from scheme.personal_data import spooled_file, write_zip
from scheme.privacy import export_response, within_export_limit
from scheme.roles import access_for, require
from scheme.verbs import event_verb
from scheme.web import get_visible_or_404

EXPORTED = event_verb("organisation.exported", _("downloaded the organisation's data"))


@transaction.atomic
def export_organisation(actor, organisation):
    """The organisation's data as a ZIP in a temporary file, ready to be read from the start."""
    require(access_for(actor).can_export_organisation(organisation))
    about = {
        "organisation": {
            "id": organisation.pk,
            "name": organisation.name,
            "org_number": organisation.org_number,
        },
        "exported_by": actor.email,
    }
    out = spooled_file()
    write_zip(about, registry.organisation_data(organisation, actor), out)
    out.seek(0)
    audit.record(actor, EXPORTED, organisation)
    return out


def organisation_export(request, pk):
    """What the export holds (GET), and the ZIP (POST). Another organisation is not found;
    a member who is not a leader is refused."""
    organisation = get_visible_or_404(Organisation, request.user, pk=pk)
    require(access_for(request.user).can_export_organisation(organisation))
    if request.method == "POST":
        if not within_export_limit(request, f"organisation:{request.user.pk}"):
            return redirect("organisations:export", pk=organisation.pk)
        out = export_organisation(request.user, organisation)
        day = timezone.localdate()
        return export_response(out, f"organisation-{organisation.org_number}-{day:%Y-%m-%d}.zip")
    return render(request, "organisations/export.html", {"organisation": organisation})
