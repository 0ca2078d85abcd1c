"""What serves both domains, above them: the calendar feed, the dashboard, the exportable
documents and the signed evidence bundle read the register and the breach register alike."""
