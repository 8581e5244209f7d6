import { useShallow } from 'zustand/react/shallow';
import { useReviewStore } from '../store/reviewStore';

/** The toolbar's one governance button: opens the review panel, with the unread notifications counted. */
export function NotificationsBell() {
  const { open, setOpen, unread, pending } = useReviewStore(
    useShallow((s) => ({
      open: s.open,
      setOpen: s.setOpen,
      unread: s.notifications?.unread ?? 0,
      pending: s.state?.review?.status === 'pending',
    })),
  );
  return (
    <button
      type="button"
      className={`secondary review-bell${pending ? ' review-bell--pending' : ''}`}
      aria-expanded={open}
      aria-label={unread > 0 ? `Review (${unread} unread notifications)` : 'Review'}
      title="Review and notifications"
      onClick={() => setOpen(!open)}
    >
      Review
      {unread > 0 && (
        <span className="review-bell__count" data-testid="unread-count">
          {unread}
        </span>
      )}
    </button>
  );
}
