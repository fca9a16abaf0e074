"""The admin site, with pages no model backs (subscribers, recent events).

Django's own way to change its admin: a site class (`AdminSiteWithPages`) made the default
site by an AdminConfig (`AdminConfig`, listed in INSTALLED_APPS in place of
django.contrib.admin). Each package adds its pages with `admin.site.add_page(...)` from its
own admin module, so welcome's page needs nothing of blog's, nor blog's of welcome's."""

from dataclasses import dataclass

from django.contrib import admin
from django.contrib.admin.apps import AdminConfig as DjangoAdminConfig
from django.core.exceptions import PermissionDenied
from django.urls import path, reverse


@dataclass(frozen=True)
class Page:
    route: str
    url_name: str
    title: str
    object_name: str
    section: str
    section_label: str
    view: object  # view(request, site)
    permission: str  # "app_label.codename"


class AdminSiteWithPages(admin.AdminSite):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._pages = []

    def add_page(self, *, route, url_name, title, object_name, section, section_label, view, permission):
        """Serve `view(request, site)` at `route` (as `admin:<url_name>`) to staff who hold
        `permission` (others get a 403), listed on the index and in the sidebar under
        `section` for them only."""
        self._pages.append(
            Page(route, url_name, title, object_name, section, section_label, view, permission)
        )

    def get_urls(self):
        return [*(path(page.route, self.admin_view(self._guarded(page)), name=page.url_name) for page in self._pages),
                *super().get_urls()]  # fmt: skip

    def _guarded(self, page):
        def view(request):
            if not request.user.has_perm(page.permission):
                raise PermissionDenied
            return page.view(request, self)

        return view

    def get_app_list(self, request, app_label=None):
        apps = super().get_app_list(request, app_label)
        user = request.user
        if app_label is not None or not (user.is_active and user.is_staff):
            return apps
        for page in self._pages:
            if not user.has_perm(page.permission):
                continue
            url = reverse(f"admin:{page.url_name}", current_app=self.name)
            model = {
                "name": page.title,
                "object_name": page.object_name,
                "admin_url": url,
                "add_url": None,
                "view_only": True,
                "perms": {"add": False, "change": False, "delete": False, "view": True},
            }
            entry = {
                "name": page.section,
                "app_label": page.section_label,
                "app_url": url,
                "has_module_perms": True,
            }
            apps = sorted([*apps, {**entry, "models": [model]}], key=lambda app: app["name"].lower())
        return apps


class AdminConfig(DjangoAdminConfig):
    default_site = "common.admin_pages.AdminSiteWithPages"
