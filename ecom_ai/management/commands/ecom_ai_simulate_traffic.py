"""Load a few weeks of simulated, clearly labelled shop traffic and one finished A/B experiment."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from ...services import simulation


class Command(BaseCommand):
    help = (
        "Generate simulated events (context.simulated = true) and a finished demo experiment, so the "
        "engagement dashboard has something to show. Refuses to load twice unless --replace."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--days", type=int, default=21, help="Days of traffic ending today (1-120).")
        parser.add_argument("--visitors", type=int, default=400, help="Simulated visitors (1-20000).")
        parser.add_argument("--seed", type=int, default=7)
        parser.add_argument("--replace", action="store_true", help="Delete earlier simulated data first.")
        parser.add_argument(
            "--skip-if-loaded",
            action="store_true",
            help="Exit quietly (status 0) when simulated data is already there.",
        )

    def handle(
        self, *args, days: int, visitors: int, seed: int, replace: bool, skip_if_loaded: bool, **options
    ) -> None:
        if not 1 <= days <= 120:
            raise CommandError("--days must be between 1 and 120.")
        if not 1 <= visitors <= 20000:
            raise CommandError("--visitors must be between 1 and 20000.")
        if simulation.already_loaded():
            if replace:
                self.stdout.write(f"Deleted {simulation.clear()} earlier simulated events.")
            elif skip_if_loaded:
                self.stdout.write("Simulated traffic is already loaded; nothing to do.")
                return
            else:
                raise CommandError(
                    "Simulated traffic is already loaded; use --replace to regenerate it "
                    "(or --skip-if-loaded to do nothing)."
                )
        try:
            result = simulation.simulate(days=days, visitors=visitors, seed=seed)
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            self.style.SUCCESS(
                f"Loaded {result['events']} simulated events "
                f"({visitors} visitors, {days} days) "
                f"and the finished experiment {result['experiment']!r}. "
                "They are labelled as simulated in admin."
            )
        )
