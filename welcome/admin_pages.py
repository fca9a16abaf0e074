"""Staff pages that no model backs (subscribers, recent events), added to an admin site.

Kept here, not in `blog`, because `welcome` may not import `blog`, while `blog` may use
`welcome`: both apps' pages go through this one function."""

from django.urls import path, reverse


def add_admin_page(site, *, route, url_name, title, object_name, section, section_label, view):
    """Serve `view(request, site)` at `route` under `site` (as `admin:<url_name>`, staff
    only) and list it on the index and in the sidebar under `section`."""
    get_urls, get_app_list = site.get_urls, site.get_app_list

    def urls():
        page = site.admin_view(lambda request: view(request, site))
        return [path(route, page, name=url_name), *get_urls()]

    def app_list(request, app_label=None):
        apps = get_app_list(request, app_label)
        if app_label is None and request.user.is_active and request.user.is_staff:
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
