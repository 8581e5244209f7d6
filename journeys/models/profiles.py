"""What the customer profile pages need that the rest of the schema does not keep: merges."""

from django.db import models


class CustomerMerge(models.Model):
    """One profile folded into another by identity resolution.

    The merged-away profile is deleted by the merge, so what it was (its id, user id and the
    anonymous ids that moved) is copied here for the kept profile's page.
    """

    id = models.BigAutoField(primary_key=True)
    kept = models.ForeignKey("journeys.Customer", on_delete=models.CASCADE, related_name="merges")
    merged_away_id = models.BigIntegerField()
    merged_away_external_id = models.CharField(max_length=255, blank=True, help_text="Empty for an anonymous profile.")
    anonymous_ids = models.JSONField(default=list, blank=True)
    merged_at = models.DateTimeField()

    class Meta:
        ordering = ["-id"]
        indexes = [models.Index(fields=["kept", "-id"], name="customermerge_kept")]

    def __str__(self):
        return f"#{self.merged_away_id} into #{self.kept_id}"
