from django.urls import path

from journeys.governance import api, views

# Mounted under /api/ by cjo_site.urls.
api_urlpatterns = [
    path("journeys/<int:journey_id>/review/", api.review_state, name="journey-review"),
    path("journeys/<int:journey_id>/review/submit/", api.review_submit, name="journey-review-submit"),
    path("journeys/<int:journey_id>/review/policy/", api.review_policy, name="journey-review-policy"),
    path("reviews/<int:review_id>/approve/", api.review_approve, name="review-approve"),
    path("reviews/<int:review_id>/reject/", api.review_reject, name="review-reject"),
    path("reviews/<int:review_id>/withdraw/", api.review_withdraw, name="review-withdraw"),
    path("reviews/<int:review_id>/comments/", api.review_comment, name="review-comment"),
    path("notifications/", api.notification_list, name="notifications"),
    path("notifications/read/", api.notification_read, name="notifications-read"),
    path("audit/", api.AuditList.as_view(), name="audit-api"),
]

# Mounted at the site root: the server-rendered audit page and its exports.
page_urlpatterns = [
    path("audit/", views.audit_page, name="audit"),
    path("audit/export.csv", views.audit_export, {"file_format": "csv"}, name="audit-export-csv"),
    path("audit/export.json", views.audit_export, {"file_format": "json"}, name="audit-export-json"),
]
