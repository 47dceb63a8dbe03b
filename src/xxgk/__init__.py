"""xxgk: Chinese government information-disclosure annual reports → clean, checked records."""

__version__ = "0.1.0"
