"""The notify service: the right people told at the right time, once, by inbox, e-mail and webhook;
and the public notice board (公示栏)."""
