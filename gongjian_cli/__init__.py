"""gongjian: templates, collection, validation and monthly bulletins for 重大工业项目攻坚年."""

__version__ = "0.1.0"
