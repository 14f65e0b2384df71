"""Members' ratings: /review (rate, remove, restore, with diary dates), /reviews (the verdict),
/myratings (a member's own diary)."""
