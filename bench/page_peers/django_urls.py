from django.db import models
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import path

NAV = [("home", "Home"), ("hosts", "Hosts"), ("groups", "Groups"), ("settings", "Settings"),
       ("about", "About")]


class Group(models.Model):
    name = models.CharField(max_length=40, unique=True)

    class Meta:
        app_label, db_table, managed = "page_peers", "groups", False


class Host(models.Model):
    name = models.CharField(max_length=63, unique=True)
    address = models.CharField(max_length=45)
    enabled = models.BooleanField()
    group = models.ForeignKey(Group, on_delete=models.CASCADE)
    created = models.DateTimeField()

    class Meta:
        app_label, db_table, managed = "page_peers", "hosts", False


def hosts(request):
    rows = Host.objects.select_related("group").order_by("name")[:100]
    return render(request, "hosts.html", {"title": "Hosts", "nav": NAV, "rows": rows})


def host(request, id=0):
    return HttpResponse(f"host {id}")


urlpatterns = [path("hosts", hosts, name="hosts"), path("host/<int:id>", host, name="host")] + [
    path(name, host, name=name) for name, _ in NAV if name != "hosts"]
