from django.urls import path

from welcome import views

app_name = "welcome"

urlpatterns = [
    path("subscribe/", views.subscribe, name="subscribe"),
    path("subscribe/thanks/", views.subscribed, name="subscribed"),
    path("api/v1/subscribers/", views.api_subscribers, name="api-subscribers"),
    path("confirm/<str:token>/", views.confirm, name="confirm"),
    path("unsubscribe/<str:token>/", views.unsubscribe, name="unsubscribe"),
]
