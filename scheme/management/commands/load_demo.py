from django.core.management.base import BaseCommand
from django.db import transaction

from scheme.registry import demo_epilogues, demo_loaders


class Command(BaseCommand):
    help = "Load the demo data of every app (safe to run again: it updates, never duplicates)."

    def handle(self, *args, **options):
        with transaction.atomic():
            for loader in demo_loaders():
                loader(self.stdout.write)
        self.stdout.write(self.style.SUCCESS("Demo data loaded."))
        for epilogue in demo_epilogues():
            epilogue(self.stdout.write)
