"""dackit.io"""
