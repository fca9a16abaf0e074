"""Staff pages that no model backs (subscribers, recent events), added to an admin site.

Kept here, not in `blog`, because `welcome` may not import `blog`, while `blog` may use
`welcome`: both apps' pages go through this one function."""

from django.core.exceptions import PermissionDenied
from django.urls import path, reverse


def add_admin_page(site, *, route, url_name, title, object_name, section, section_label, view, permission):
    """Serve `view(request, site)` at `route` under `site` (as `admin:<url_name>`) to staff
    who hold `permission` ("app_label.codename"; others get a 403), and list it on the index
    and in the sidebar under `section` for them only."""
    get_urls, get_app_list = site.get_urls, site.get_app_list

    def guarded(request):
        if not request.user.has_perm(permission):
            raise PermissionDenied
        return view(request, site)

    def urls():
        return [path(route, site.admin_view(guarded), name=url_name), *get_urls()]

    def app_list(request, app_label=None):
        apps = get_app_list(request, app_label)
        user = request.user
        if app_label is None and user.is_active and user.is_staff and user.has_perm(permission):
            url = reverse(f"admin:{url_name}", current_app=site.name)
            model = {
                "name": title,
                "object_name": object_name,
                "admin_url": url,
                "add_url": None,
                "view_only": True,
                "perms": {"add": False, "change": False, "delete": False, "view": True},
            }
            entry = {"name": section, "app_label": section_label, "app_url": url, "has_module_perms": True}
            apps = sorted([*apps, {**entry, "models": [model]}], key=lambda app: app["name"].lower())
        return apps

    site.get_urls = urls
    site.get_app_list = app_list
