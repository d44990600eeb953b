"""Messages on every case object: threads, their messages and who has read them."""
