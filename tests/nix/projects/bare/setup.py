from setuptools import setup; setup(name="bare", version="0.3", packages=["bare"])
